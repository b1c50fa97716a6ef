# count and for_each values mltf validate refuses before any plan.
experiment "negative" {
  count = -1
}

experiment "list" {
  for_each = ["a", "b"]
}
