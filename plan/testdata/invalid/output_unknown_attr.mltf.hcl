output "x" {
  value = 1
  format = "json" # ERROR: Unsupported argument
}
