@problemName v
@dimensions 2
@equalLength false
@classLabel true a b c
@data
1,2:3,4:a
5,6,7,8:9,10,11,12:c
0.5:0.25:b

