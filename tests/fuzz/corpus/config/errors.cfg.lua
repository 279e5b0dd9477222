VirtualHost "a" VirtualHost "b"
x = function() end
pcall(error, {})
for i = 1, 10 do y = (y or "") .. i end
Component "c"
z = setmetatable
w = { [true] = 1 }
