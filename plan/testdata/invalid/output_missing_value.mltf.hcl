output "x" { # ERROR: Missing required argument
  description = "no value"
}
