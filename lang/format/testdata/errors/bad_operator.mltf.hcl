model "digits" {
  gate {
    condition = training.mlp.metrics.accuracy >== 0.9 # ERROR: Invalid expression
  }
}
