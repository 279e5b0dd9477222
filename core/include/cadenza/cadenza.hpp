// Everything a module may include, in one header.
#pragma once

#include <cadenza/api.hpp>
#include <cadenza/config.hpp>
#include <cadenza/events.hpp>
#include <cadenza/hooks.hpp>
#include <cadenza/http.hpp>
#include <cadenza/jid.hpp>
#include <cadenza/log.hpp>
#include <cadenza/module.hpp>
#include <cadenza/sse.hpp>
#include <cadenza/stanza.hpp>
