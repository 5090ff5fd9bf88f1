module gmpwatch.dev/gomaxprocs

go 1.19
