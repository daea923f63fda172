@problemName t
@dimensions 3
@classLabel true only
@data
1,2:3,4:5,6:only
7,8:9,10:11,12:only
