# Top-level blocks: unknown kinds, labels, names, duplicates.
experimnt "a" {}

experiment {}

experiment "Bad Name" {}

experiment "twice" {}
experiment "twice" {}

colour = "blue"
