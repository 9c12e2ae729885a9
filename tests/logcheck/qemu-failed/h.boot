rc=1
