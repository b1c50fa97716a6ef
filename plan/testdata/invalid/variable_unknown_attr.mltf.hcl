variable "x" {
  secret = true # ERROR: Unsupported argument
}
