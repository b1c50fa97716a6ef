training "t" {
  command = ["python3", "train.py"]
  optimizer { # ERROR: Unsupported block type
  }
}
