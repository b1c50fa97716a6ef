experiment "a" {
  lifecycle {
    replace_triggered_by = [] # ERROR: Unsupported argument
  }
}
