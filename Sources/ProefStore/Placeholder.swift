enum _PlaceholderProefStore {}
