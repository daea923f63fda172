# tiny
@problemName tiny
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true a b c
@data
1,2,3:4,5,6:b
-1.5e1,0,7:8,9,10:c
