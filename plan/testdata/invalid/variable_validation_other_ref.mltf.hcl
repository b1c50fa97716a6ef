variable "x" {
  validation {
    condition     = local.y > 1 # ERROR: Invalid reference in variable validation
    error_message = "bad"
  }
}
