int late_value(void) { return 77; }
