dataset "digits" {
  source = "file://data/digits.csv # ERROR: Invalid multi-line string
  format = "csv"
}
