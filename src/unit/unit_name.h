// Unit names (systemd.unit(5)): "prefix[@instance].type", templates
// ("web@.service") and their instances ("web@01.service"), the escaping of
// names, and the specifiers (%n %N %p %P %i %I %H %m %b %%) that unit files
// may use.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace flotilla::unit {

struct UnitName {
  std::string full;        // "web@01.service"
  std::string prefix;      // "web"
  std::string instance;    // "01"; empty for a template or a plain unit
  std::string type;        // "service"
  bool templated = false;  // has an "@": a template ("web@.service") or an instance

  bool IsTemplate() const { return templated && instance.empty(); }
  bool IsInstance() const { return templated && !instance.empty(); }
  // "web@.service" for an instance or a template; "" otherwise.
  std::string TemplateName() const;
  // "web@01" for "web@01.service".
  std::string WithoutType() const;
};

// A name systemd accepts: at most 255 bytes of [A-Za-z0-9:_.\-] (and one
// "@" before the instance), a known type after the last ".", and for
// "x@y.type" a non-empty prefix. Errors say what is wrong.
base::Result<UnitName> ParseUnitName(std::string_view name);

// The instance of template `tmpl` ("web@.service") named `instance`.
base::Result<UnitName> Instantiate(const UnitName& tmpl, std::string_view instance);

// systemd's unit name unescaping: "\xNN" is that byte and "-" is "/"
// ("%I", "%P").
std::string UnescapeUnitName(std::string_view s);

// What specifiers expand to besides the unit's own name.
struct SpecifierContext {
  std::string hostname;    // %H
  std::string machine_id;  // %m
  std::string boot_id;     // %b
};

// This machine's: gethostname, /etc/machine-id and the kernel's boot id
// (empty where unreadable).
SpecifierContext LocalSpecifierContext();

// Replaces the specifiers in `s`; an unknown one or a lone "%" at the end
// is an error naming it.
base::Result<std::string> ExpandSpecifiers(std::string_view s, const UnitName& unit,
                                           const SpecifierContext& context);

}  // namespace flotilla::unit
