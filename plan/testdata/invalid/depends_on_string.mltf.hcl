experiment "a" {
  depends_on = ["experiment.b"] # ERROR: Invalid depends_on entry
}
