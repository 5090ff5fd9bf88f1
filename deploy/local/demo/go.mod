module gmpwatch.dev/demo

go 1.19
