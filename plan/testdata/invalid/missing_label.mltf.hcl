experiment { # ERROR: Missing name for experiment
}
