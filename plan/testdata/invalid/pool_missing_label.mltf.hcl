cluster "dev" {
  pool { # ERROR: Missing name for pool
    slots = 2
  }
}
