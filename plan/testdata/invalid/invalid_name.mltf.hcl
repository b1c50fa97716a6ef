experiment "9lives" {} # ERROR: Invalid name
