# The production model.
model "digits" {
  from  = training.mlp # latest run
  alias = "production"

  // gates are checked after apply
  gate {
    condition = training.mlp.metrics.accuracy >= 0.9
    message   = <<-EOT
      accuracy below
        the production bar
    EOT
  }
  /* a block
     comment */
  description = "x"
}
