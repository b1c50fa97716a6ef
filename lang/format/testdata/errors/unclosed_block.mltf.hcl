training "mlp" { # ERROR: Unclosed configuration block
  code = "./src"

experiment "digits" {}
