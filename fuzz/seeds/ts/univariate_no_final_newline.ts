@problemName u
@univariate true
@classLabel true x y
@data
1,2,3,4:x
1,2,3,4,5,6:y
1:x