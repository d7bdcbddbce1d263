module sweep

go 1.26.0
