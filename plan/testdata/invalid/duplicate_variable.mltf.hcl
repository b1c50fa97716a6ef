variable "x" {}
variable "x" {} # ERROR: Duplicate variable
