rc=0
