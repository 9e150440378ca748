"""Leave requests (đơn xin nghỉ học): a family asks, the homeroom teacher approves or declines, the family is told."""
