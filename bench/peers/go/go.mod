module asynclab/bench/peers/go

go 1.19
