experiment "a" {
  description = "n${count.index}" # ERROR: Reference to "count" in a block without count
}
