experiment "a" {
  description = "x"
# ERROR: Unclosed configuration block
