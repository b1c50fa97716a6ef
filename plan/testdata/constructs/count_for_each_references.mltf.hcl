# count.index and each outside count and for_each.
experiment "index" {
  description = "run ${count.index}"
}

experiment "each" {
  description = each.key
}
