cluster "dev" {
  pool "cpu" {
    slots = "many" # ERROR: Incorrect attribute value type
  }
}
