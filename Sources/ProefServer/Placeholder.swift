enum _PlaceholderProefServer {}
