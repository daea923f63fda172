@problemName m
@missing true
@dimensions 3
@classLabel true only
@data
1,?:2,3:4,5:only
