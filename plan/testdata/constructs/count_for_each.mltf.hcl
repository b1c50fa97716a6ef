# The count and for_each meta-arguments together.
experiment "both" {
  count    = 2
  for_each = toset(["x"])
}
