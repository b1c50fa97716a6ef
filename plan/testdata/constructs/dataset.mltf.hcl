# Dataset blocks: the body against the kind's schema.
dataset "rows" {
  format = "csv"
  colour = "blue"
}
