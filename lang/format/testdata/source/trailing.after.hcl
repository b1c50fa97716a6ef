output "accuracy" { value = training.mlp.metrics.accuracy }
