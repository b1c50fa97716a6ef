experiment "a" {}
experiment "a" {} # ERROR: Duplicate experiment
