module example.com/wbuild/go-service

go 1.19
