# Experiment blocks.
experiment "e" {
  description = ["not", "a", "string"]
  colour      = "blue"
  tags        = "not a map"
}
