experiment "a" {
  lifecycle {
    ignore_changes = ["tags"] # ERROR: Invalid ignore_changes entry
  }
}
