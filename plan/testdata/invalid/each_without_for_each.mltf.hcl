experiment "a" {
  description = each.key # ERROR: Reference to "each" in a block without for_each
}
