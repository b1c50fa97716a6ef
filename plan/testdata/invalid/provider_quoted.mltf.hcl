cluster "a" {
  provider = "local" # ERROR: Invalid provider reference
}
