#pragma once
// core/result: Result<T>, a value or an Error, returned across module boundaries instead of
// throwing. Callback<T> is the completion of an asynchronous domain operation.
#include <functional>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace paddock {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }
  Error&& take_error() { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }
  Error&& take_error() { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

template <class T>
using Callback = std::function<void(Result<T>)>;

// Returns the error of `expr` (a Result) from the enclosing function, if it has one.
#define PADDOCK_TRY(expr)                          \
  do {                                             \
    if (auto paddock_try_ = (expr); !paddock_try_) \
      return paddock_try_.take_error();            \
  } while (false)

// Declares `auto& var` bound to the value of `expr` (a Result), or returns its error.
#define PADDOCK_ASSIGN(var, expr)                         \
  auto var##_result_ = (expr);                            \
  if (!var##_result_) return var##_result_.take_error(); \
  auto& var = *var##_result_

}  // namespace paddock
