enum _PlaceholderProefCLI {}
