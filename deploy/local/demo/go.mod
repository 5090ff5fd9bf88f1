module gmpwatch.dev/demo

go 1.19

require gmpwatch.dev/gomaxprocs v0.0.0

// The admin package ships in this repository (deploy/gomaxprocs); services vendor or copy it.
replace gmpwatch.dev/gomaxprocs => ../../gomaxprocs
