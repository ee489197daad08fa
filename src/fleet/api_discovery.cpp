// GET /fleet/v1/discovery: the API described in Google's discovery format,
// as fleet serves it (schema/v1.json), with fleet's deliberately unusable
// rootUrl "$ENDPOINT/" that a client replaces with its endpoint. The same
// document answers under /v1-alpha, as in fleet.
#include <string_view>

namespace flotilla::fleet {

std::string_view DiscoveryDocument() {
  return R"({"kind":"discovery#restDescription","discoveryVersion":"v1","id":"fleet:v1",)"
         R"("name":"schema","version":"v1","title":"fleet API","description":"",)"
         R"("documentationLink":"https://github.com/coreos/fleet","protocol":"rest",)"
         R"("rootUrl":"$ENDPOINT/","servicePath":"fleet/v1/","baseUrl":"$ENDPOINT/fleet/v1/",)"
         R"("basePath":"/fleet/v1/","batchPath":"batch","parameters":{},"auth":{},)"
         R"("schemas":{)"
         R"("Machine":{"id":"Machine","type":"object","properties":{)"
         R"("id":{"type":"string"},"primaryIP":{"type":"string"},)"
         R"("metadata":{"type":"object","properties":{},"additionalProperties":{"type":"string"}}}},)"
         R"("MachinePage":{"id":"MachinePage","type":"object","properties":{)"
         R"("machines":{"type":"array","items":{"$ref":"Machine"}},)"
         R"("nextPageToken":{"type":"string"}}},)"
         R"("UnitOption":{"id":"UnitOption","type":"object","properties":{)"
         R"("section":{"type":"string"},"name":{"type":"string"},"value":{"type":"string"}}},)"
         R"("Unit":{"id":"Unit","type":"object","properties":{)"
         R"("name":{"type":"string"},"options":{"type":"array","items":{"$ref":"UnitOption"}},)"
         R"("desiredState":{"type":"string","enum":["inactive","loaded","launched"]},)"
         R"("currentState":{"type":"string","enum":["inactive","loaded","launched"]},)"
         R"("machineID":{"type":"string"},"reason":{"type":"string"}}},)"
         R"("UnitPage":{"id":"UnitPage","type":"object","properties":{)"
         R"("units":{"type":"array","items":{"$ref":"Unit"}},"nextPageToken":{"type":"string"}}},)"
         R"("UnitState":{"id":"UnitState","type":"object","properties":{)"
         R"("name":{"type":"string"},"hash":{"type":"string"},"machineID":{"type":"string"},)"
         R"("systemdLoadState":{"type":"string"},"systemdActiveState":{"type":"string"},)"
         R"("systemdSubState":{"type":"string"}}},)"
         R"("UnitStatePage":{"id":"UnitStatePage","type":"object","properties":{)"
         R"("states":{"type":"array","items":{"$ref":"UnitState"}},)"
         R"("nextPageToken":{"type":"string"}}}},)"
         R"("resources":{)"
         R"("Machines":{"methods":{)"
         R"("List":{"id":"fleet.Machine.List","path":"machines","httpMethod":"GET",)"
         R"("parameters":{"nextPageToken":{"type":"string","location":"query"}},)"
         R"("response":{"$ref":"MachinePage"}}}},)"
         R"("UnitState":{"methods":{)"
         R"("List":{"id":"fleet.UnitState.List","path":"state","httpMethod":"GET",)"
         R"("parameters":{"nextPageToken":{"type":"string","location":"query"},)"
         R"("unitName":{"type":"string","location":"query"},)"
         R"("machineID":{"type":"string","location":"query"}},)"
         R"("response":{"$ref":"UnitStatePage"}}}},)"
         R"("Units":{"methods":{)"
         R"("List":{"id":"fleet.Unit.List","path":"units","httpMethod":"GET",)"
         R"("parameters":{"nextPageToken":{"type":"string","location":"query"}},)"
         R"("response":{"$ref":"UnitPage"}},)"
         R"("Get":{"id":"fleet.Unit.Get","path":"units/{unitName}","httpMethod":"GET",)"
         R"("parameters":{"unitName":{"type":"string","required":true,"location":"path"}},)"
         R"("parameterOrder":["unitName"],"response":{"$ref":"Unit"}},)"
         R"("Set":{"id":"fleet.Unit.Set","path":"units/{unitName}","httpMethod":"PUT",)"
         R"("parameters":{"unitName":{"type":"string","required":true,"location":"path"}},)"
         R"("parameterOrder":["unitName"],"request":{"$ref":"Unit"}},)"
         R"("Delete":{"id":"fleet.Unit.Delete","path":"units/{unitName}","httpMethod":"DELETE",)"
         R"("parameters":{"unitName":{"type":"string","required":true,"location":"path"}},)"
         R"("parameterOrder":["unitName"]}}}}})";
}

}  // namespace flotilla::fleet
