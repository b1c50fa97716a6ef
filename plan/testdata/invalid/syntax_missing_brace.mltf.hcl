experiment "a" { # ERROR: Unclosed configuration block
  description = "x"
