import os, json
print(json.loads(os.environ["MLTF_PARAMS"]))
