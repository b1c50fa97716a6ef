experiment "a" {
  lifecycle {
    prevent_destroy = "maybe" # ERROR: Unsuitable value type
  }
}
