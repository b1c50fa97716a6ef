mltf {}
mltf {} # ERROR: Duplicate mltf block
